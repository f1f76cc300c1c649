# The driver shared by every journey tool's bash completion: completions/gen
# copies it into each tool's script (defining it again is harmless).  It
# needs bash only, not the bash-completion package.

# _journey_complete OFFERED ARGOPTS VALUES: OFFERED the options, ARGOPTS
# those taking an argument (space separated, with spaces around), VALUES
# the function that completes OPTION's argument from $cur into COMPREPLY.
_journey_complete()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev="" opt="" prefix="" i
	COMPREPLY=()
	# after --, only file names
	for ((i = 1; i < COMP_CWORD; i++)); do
		if [[ ${COMP_WORDS[i]} == -- ]]; then
			_journey_files
			return 0
		fi
	done
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	# --opt=value is one word, or three when COMP_WORDBREAKS has =
	if [[ $cur == = && $prev == --* ]]; then
		opt=$prev cur=""
	elif [[ $prev == = ]] && ((COMP_CWORD > 1)) &&
	    [[ ${COMP_WORDS[COMP_CWORD - 2]} == --* ]]; then
		opt=${COMP_WORDS[COMP_CWORD - 2]}
	elif [[ $cur == --*=* ]]; then
		opt=${cur%%=*} prefix=${cur%%=*}= cur=${cur#*=}
	elif [[ $cur == -[A-Za-z]?* && $2 == *" ${cur:0:2} "* ]]; then
		opt=${cur:0:2} prefix=${cur:0:2} cur=${cur:2}
	elif [[ $prev == -* && $2 == *" $prev "* ]]; then
		opt=$prev
	fi
	if [[ -n $opt ]]; then
		"$3" "$opt"
		if [[ -n $prefix ]]; then
			for ((i = 0; i < ${#COMPREPLY[@]}; i++)); do
				COMPREPLY[i]=$prefix${COMPREPLY[i]}
			done
		fi
	elif [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$1" -- "$cur"))
	else
		_journey_files
	fi
	return 0
}

# one of the words
_journey_words()
{
	COMPREPLY=($(compgen -W "$*" -- "$cur"))
}

# words joined by commas: completes the last one
_journey_list()
{
	local head=""
	[[ $cur == *,* ]] && head=${cur%,*},
	COMPREPLY=($(compgen -P "$head" -W "$*" -- "${cur##*,}"))
	compopt -o nospace 2>/dev/null
}

# a file name
_journey_files()
{
	local IFS=$'\n'
	compopt -o filenames 2>/dev/null
	COMPREPLY=($(compgen -f -- "$cur"))
}
